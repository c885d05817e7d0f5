"""Write a fixture, or with --check on the command line verify the committed one is byte-identical."""
import sys


def write_or_check(path, text):
    if "--check" in sys.argv:
        if not path.exists() or path.read_text() != text:
            sys.exit(f"{path} differs from what {sys.argv[0]} generates: regenerate and commit it")
        print(f"{path.name}: reproducible")
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    print(f"wrote {path} ({path.stat().st_size} bytes)")
