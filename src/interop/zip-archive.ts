/**
 * A small reader for the zip archives Keras writes (`.keras` files: `config.json`, `metadata.json`,
 * `model.weights.h5`): the central directory, then each member's bytes, stored or deflated (node:zlib), with its
 * CRC-32 checked. ZIP64, encryption and multi-disk archives are reported as unsupported. Node only.
 */
import { readFile } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { FileFormatError } from '../errors.js';
import { crc32 } from '../train/crc32.js';

/** One member of an archive, as listed in its central directory. */
export interface ZipMember {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** A zip archive read into memory. */
export class ZipArchive {
  private constructor(
    /** The archive's path (for messages). */
    readonly path: string,
    private readonly bytes: Buffer,
    /** Members by name. */
    readonly members: ReadonlyMap<string, ZipMember>,
  ) {}

  /**
   * Read and index the archive at `path`.
   * @throws FileFormatError naming the file when it is not a zip archive, is truncated or uses an unsupported feature.
   */
  static async open(path: string): Promise<ZipArchive> {
    const bytes = await readFile(path);
    const fail = (message: string): never => {
      throw new FileFormatError(`not a readable zip archive: ${message}`, { file: path });
    };
    let eocd = -1;
    for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 65535); at--) {
      if (bytes.readUInt32LE(at) === EOCD) {
        eocd = at;
        break;
      }
    }
    if (eocd < 0) fail('no end-of-central-directory record (truncated, or not a zip file)');
    const count = bytes.readUInt16LE(eocd + 10);
    const size = bytes.readUInt32LE(eocd + 12);
    const offset = bytes.readUInt32LE(eocd + 16);
    if (count === 0xffff || offset === 0xffffffff) fail('ZIP64 archives are not supported');
    if (offset + size > eocd) fail(`the central directory (${size} bytes at ${offset}) runs past its end record`);
    const members = new Map<string, ZipMember>();
    let at = offset;
    for (let i = 0; i < count; i++) {
      if (at + 46 > eocd || bytes.readUInt32LE(at) !== CENTRAL) fail(`central directory entry ${i} is damaged`);
      const flags = bytes.readUInt16LE(at + 8);
      if (flags & 1) fail('encrypted members are not supported');
      const nameLength = bytes.readUInt16LE(at + 28);
      const member: ZipMember = {
        method: bytes.readUInt16LE(at + 10),
        crc: bytes.readUInt32LE(at + 16),
        compressedSize: bytes.readUInt32LE(at + 20),
        size: bytes.readUInt32LE(at + 24),
        localHeaderOffset: bytes.readUInt32LE(at + 42),
        name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
      };
      members.set(member.name, member);
      at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
    }
    return new ZipArchive(path, bytes, members);
  }

  /** True when the archive has a member `name`. */
  has(name: string): boolean {
    return this.members.has(name);
  }

  /**
   * The uncompressed bytes of member `name`.
   * @throws FileFormatError naming the archive and the member when it is missing, damaged or fails its CRC.
   */
  read(name: string): Uint8Array {
    const member = this.members.get(name);
    const fail = (message: string): never => {
      throw new FileFormatError(`member '${name}': ${message}`, { file: this.path });
    };
    if (!member) return fail(`missing from the archive (members: ${[...this.members.keys()].join(', ') || 'none'})`);
    const at = member.localHeaderOffset;
    if (at + 30 > this.bytes.length || this.bytes.readUInt32LE(at) !== LOCAL) fail('its local header is damaged');
    const start = at + 30 + this.bytes.readUInt16LE(at + 26) + this.bytes.readUInt16LE(at + 28);
    const end = start + member.compressedSize;
    if (end > this.bytes.length) fail(`its data runs past the end of the file (truncated archive)`);
    const raw = this.bytes.subarray(start, end);
    let data: Uint8Array;
    if (member.method === 0) data = raw;
    else if (member.method === 8) {
      try {
        data = inflateRawSync(raw);
      } catch (cause) {
        return fail(`cannot be inflated (${cause instanceof Error ? cause.message : String(cause)})`);
      }
    } else return fail(`compression method ${member.method} is not supported (only stored and deflate)`);
    if (data.length !== member.size) fail(`is ${data.length} bytes, the directory says ${member.size}`);
    if (crc32(data) !== member.crc) fail('fails its CRC-32 check (damaged archive)');
    return data;
  }

  /** Member `name` decoded as UTF-8 text. */
  readText(name: string): string {
    return Buffer.from(this.read(name)).toString('utf8');
  }
}
