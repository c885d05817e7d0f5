"""The three store containers (HDF5, safetensors, npy directory): positional writers and lazy readers.

Every writer knows all tensor shapes up front, writes into a temporary sibling of the target and renames it into
place on ``commit()`` (atomic for files; for npy directories an existing target is swapped out just before), so a
crash never leaves a half-written store under the target name. Readers never load a whole tensor.
"""

from __future__ import annotations

import json
import os
import shutil
import struct
from pathlib import Path
from typing import Any, Protocol

import h5py
import numpy as np

from .atomic import temp_sibling
from .errors import StoreFormatError

METADATA_ATTR = "bertvision_metadata"
SAFETENSORS_DTYPES: dict[np.dtype, str] = {
    np.dtype("float16"): "F16", np.dtype("float32"): "F32", np.dtype("int32"): "I32", np.dtype("int64"): "I64"}
TensorSpec = tuple[tuple[int, ...], np.dtype]


def container_of(path: Path) -> str:
    """``"hdf5"`` for .h5/.hdf5, ``"safetensors"`` for .safetensors, ``"npy"`` for anything else (a directory)."""
    suffix = path.suffix.lower()
    return "hdf5" if suffix in (".h5", ".hdf5") else "safetensors" if suffix == ".safetensors" else "npy"


class StoreWriter(Protocol):
    """Positional writes into pre-shaped tensors, then an atomic commit."""

    def write(self, name: str, start: int, array: np.ndarray) -> None: ...
    def commit(self) -> None: ...
    def abort(self) -> None: ...


class StoreReader(Protocol):
    """Metadata, tensor specs and slab reads along the first axis."""

    metadata: dict[str, Any]
    specs: dict[str, TensorSpec]

    def read(self, name: str, start: int, count: int) -> np.ndarray: ...
    def close(self) -> None: ...


class Hdf5Writer:
    """One root dataset per tensor; activations chunked one example per chunk (k examples for CLS stores)."""

    def __init__(self, target: Path, specs: dict[str, TensorSpec], metadata: dict[str, Any]) -> None:
        self.target, self.temp = target, temp_sibling(target, directory=False)
        self.file = h5py.File(self.temp, "w")
        self.file.attrs[METADATA_ATTR] = json.dumps(metadata)
        for name, (shape, dtype) in specs.items():
            chunks: tuple[int, ...] | None = None
            if name == "hidden_state_activations" and shape[0] > 0:
                per_chunk = 1 if shape[1] > 1 else min(shape[0], 64)
                chunks = (per_chunk, *shape[1:])
            self.file.create_dataset(name, shape=shape, dtype=dtype, chunks=chunks)

    def write(self, name: str, start: int, array: np.ndarray) -> None:
        self.file[name][start : start + array.shape[0]] = array

    def commit(self) -> None:
        self.file.close()
        os.replace(self.temp, self.target)

    def abort(self) -> None:
        self.file.close()
        self.temp.unlink(missing_ok=True)


class SafetensorsWriter:
    """Header first (all shapes known), then positional writes into the data region: streams, never buffers."""

    def __init__(self, target: Path, specs: dict[str, TensorSpec], metadata: dict[str, Any]) -> None:
        self.target, self.temp = target, temp_sibling(target, directory=False)
        header: dict[str, Any] = {"__metadata__": {"bertvision": json.dumps(metadata)}}
        self.offsets: dict[str, tuple[int, np.dtype, int]] = {}
        cursor = 0
        for name, (shape, dtype) in specs.items():
            size = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
            header[name] = {"dtype": SAFETENSORS_DTYPES[dtype], "shape": list(shape), "data_offsets": [cursor, cursor + size]}
            row_bytes = int(np.prod(shape[1:], dtype=np.int64)) * dtype.itemsize
            self.offsets[name] = (cursor, dtype, row_bytes)
            cursor += size
        raw = json.dumps(header, separators=(",", ":")).encode("utf-8")
        raw += b" " * (-len(raw) % 8)
        self.data_start = 8 + len(raw)
        self.handle = open(self.temp, "wb")
        self.handle.write(struct.pack("<Q", len(raw)) + raw)
        self.handle.truncate(self.data_start + cursor)

    def write(self, name: str, start: int, array: np.ndarray) -> None:
        begin, dtype, row_bytes = self.offsets[name]
        self.handle.seek(self.data_start + begin + start * row_bytes)
        self.handle.write(np.ascontiguousarray(array, dtype=dtype.newbyteorder("<")).tobytes())

    def commit(self) -> None:
        self.handle.close()
        os.replace(self.temp, self.target)

    def abort(self) -> None:
        self.handle.close()
        self.temp.unlink(missing_ok=True)


class NpyDirWriter:
    """``<name>.npy`` per tensor (memory-mapped writes) plus ``metadata.json``, built in a temporary directory."""

    def __init__(self, target: Path, specs: dict[str, TensorSpec], metadata: dict[str, Any]) -> None:
        self.target, self.temp = target, temp_sibling(target, directory=True)
        (self.temp / "metadata.json").write_text(json.dumps(metadata, indent=1), encoding="utf-8")
        self.arrays = {name: np.lib.format.open_memmap(self.temp / f"{name}.npy", mode="w+", dtype=dtype, shape=shape)
                       for name, (shape, dtype) in specs.items()}

    def write(self, name: str, start: int, array: np.ndarray) -> None:
        self.arrays[name][start : start + array.shape[0]] = array

    def commit(self) -> None:
        for array in self.arrays.values():
            array.flush()
        self.arrays.clear()
        old = None
        if self.target.exists():
            old = self.target.with_name(f".{self.target.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(self.target, old)
        os.replace(self.temp, self.target)
        if old is not None:
            shutil.rmtree(old)

    def abort(self) -> None:
        self.arrays.clear()
        shutil.rmtree(self.temp, ignore_errors=True)


def open_writer(target: Path, specs: dict[str, TensorSpec], metadata: dict[str, Any]) -> StoreWriter:
    """A writer for the container that ``target``'s name implies (see ``container_of``)."""
    kind = container_of(target)
    cls = Hdf5Writer if kind == "hdf5" else SafetensorsWriter if kind == "safetensors" else NpyDirWriter
    return cls(target, specs, metadata)


def _parse_metadata(raw: Any, path: Path) -> dict[str, Any]:
    try:
        meta = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except (TypeError, ValueError) as err:
        raise StoreFormatError(f"metadata is not valid JSON ({err})", str(path)) from None
    if not isinstance(meta, dict):
        raise StoreFormatError("metadata is not a JSON object", str(path))
    return meta


class Hdf5Reader:
    """Reads an HDF5 store lazily through h5py."""

    def __init__(self, path: Path) -> None:
        try:
            self.file = h5py.File(path, "r")
        except OSError as err:
            raise StoreFormatError(f"not a readable HDF5 file ({err})", str(path)) from None
        if METADATA_ATTR not in self.file.attrs:
            self.file.close()
            raise StoreFormatError(f"no root attribute {METADATA_ATTR!r}", str(path))
        self.metadata = _parse_metadata(self.file.attrs[METADATA_ATTR], path)
        self.specs: dict[str, TensorSpec] = {name: (tuple(ds.shape), ds.dtype) for name, ds in self.file.items()
                                             if isinstance(ds, h5py.Dataset)}

    def read(self, name: str, start: int, count: int) -> np.ndarray:
        return self.file[name][start : start + count]

    def close(self) -> None:
        self.file.close()


class SafetensorsReader:
    """Parses the safetensors header and reads slabs with positional reads."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.handle = open(path, "rb")
        size = os.fstat(self.handle.fileno()).st_size
        head = self.handle.read(8)
        if len(head) < 8 or (header_len := struct.unpack("<Q", head)[0]) > size - 8:
            self.handle.close()
            raise StoreFormatError("truncated safetensors header", str(path))
        header = _parse_metadata(self.handle.read(header_len), path)
        by_code: dict[str, np.dtype] = {code: dtype for dtype, code in SAFETENSORS_DTYPES.items()}
        self.metadata = _parse_metadata(header.pop("__metadata__", {}).get("bertvision", "null"), path)
        self.data_start = 8 + header_len
        self.specs: dict[str, TensorSpec] = {}
        self.begins: dict[str, int] = {}
        for name, info in header.items():
            shape, (begin, end) = tuple(info["shape"]), info["data_offsets"]
            dtype = by_code.get(info["dtype"])
            if dtype is None or end - begin != int(np.prod(shape, dtype=np.int64)) * dtype.itemsize \
                    or self.data_start + end > size:
                self.handle.close()
                raise StoreFormatError(f"tensor {name!r}: bad dtype or data offsets (file truncated?)", str(path))
            self.specs[name], self.begins[name] = (shape, dtype), begin

    def read(self, name: str, start: int, count: int) -> np.ndarray:
        shape, dtype = self.specs[name]
        count = max(0, min(count, shape[0] - start))
        row = int(np.prod(shape[1:], dtype=np.int64))
        self.handle.seek(self.data_start + self.begins[name] + start * row * dtype.itemsize)
        data = self.handle.read(count * row * dtype.itemsize)
        return np.frombuffer(data, dtype=dtype.newbyteorder("<")).reshape((count, *shape[1:])).astype(dtype)

    def close(self) -> None:
        self.handle.close()


class NpyDirReader:
    """Memory-maps each ``<name>.npy`` of an npy-directory store."""

    def __init__(self, path: Path) -> None:
        meta_path = path / "metadata.json"
        if not meta_path.is_file():
            raise StoreFormatError("no metadata.json: not an npy-directory store", str(path))
        self.metadata = _parse_metadata(meta_path.read_bytes(), meta_path)
        self.arrays: dict[str, np.ndarray] = {}
        for npy in sorted(path.glob("*.npy")):
            try:
                self.arrays[npy.stem] = np.load(npy, mmap_mode="r")
            except ValueError as err:
                raise StoreFormatError(f"unreadable .npy ({err})", str(npy)) from None
        self.specs: dict[str, TensorSpec] = {name: (tuple(a.shape), a.dtype) for name, a in self.arrays.items()}

    def read(self, name: str, start: int, count: int) -> np.ndarray:
        return np.array(self.arrays[name][start : start + count])

    def close(self) -> None:
        self.arrays.clear()


def open_reader(path: Path) -> StoreReader:
    """A lazy reader for an existing store; StoreFormatError naming the file when it is not one."""
    if not path.exists():
        raise StoreFormatError("store not found", str(path))
    kind = container_of(path)
    cls = Hdf5Reader if kind == "hdf5" else SafetensorsReader if kind == "safetensors" else NpyDirReader
    return cls(path)
