"""bertvision activation extraction: SQuAD 2.0 windows -> HF encoder hidden states -> a bertvision store.

The store layout (tensor names, metadata keys, containers) is the contract in ``docs/store-format.md``.
"""

__version__ = "0.1.0"
TOOL_NAME = f"bertvision-extract {__version__}"
