"""The reference's answers, frozen into a file, for graders that ship without it.

A course exported to otter-grader must grade without the ``solutions``
package: the grading environment is shared with student code, so the
reference's source would be readable there. Instead every call the checks
make to the reference while grading the reference itself is recorded
(``RecordingReference``), keyed by the function's name and a digest of its
arguments, and written to one ``.npz`` file of raw bytes (``save``); nothing
in it is pickled. ``FrozenReference`` answers the same calls from the file.

A call that was never recorded is one whose arguments were computed by the
student's code (a reference loss applied to the student's predictions, say):
the file cannot answer it, and the call fails with a message that says so.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from autograder.engine import protocol
from autograder.engine.calls import CallResult, ReferenceCaller
from autograder.tree import tree_map

FORMAT = "autograder-frozen-reference-1"


def call_key(name: str, args: tuple) -> str:
    """SHA-256 of the function name and the wire encoding of its arguments
    (dtype, shape and bytes of every array; ``repr`` of every float): equal
    arguments give equal keys in any process. TypeError for arguments the
    wire format cannot carry."""
    blobs: list[bytes] = []
    header = json.dumps([name, protocol.encode(args, blobs)], sort_keys=True).encode()
    digest = hashlib.sha256(header)
    for blob in blobs:
        digest.update(len(blob).to_bytes(8, "big"))
        digest.update(blob)
    return digest.hexdigest()


class RecordingReference(ReferenceCaller):
    """The reference, answering as usual and remembering every answer by ``call_key``."""

    def __init__(self, functions: dict):
        super().__init__(functions)
        self.answers: dict[str, CallResult] = {}

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        key = call_key(name, args)
        result = super().call(name, args, keep_args=keep_args)
        self.answers.setdefault(key, result)
        return result


class FrozenReference:
    """A caller that answers from recorded answers. ``missed`` counts the
    calls it could not answer (their arguments came from the student)."""

    def __init__(self, answers: dict[str, tuple]):
        self.answers = answers  # key -> (value, warnings)
        self.missed = 0

    def call(self, name: str, args: tuple, *, keep_args: bool = False) -> CallResult:
        try:
            value, warnings = self.answers[call_key(name, args)]
        except (KeyError, TypeError):
            self.missed += 1
            return CallResult(error=f"the frozen reference has no answer for this call of {name}: its arguments "
                                    f"came from your code, and they differ from the reference's.")
        return CallResult(value=protocol.materialize(_copy(value)), warnings=list(warnings))


def _copy(value):
    """A copy of every array in the tree ``value``: a caller may change what it is given."""
    return tree_map(lambda leaf: leaf.copy() if isinstance(leaf, np.ndarray) else leaf, value)


def save(answers: dict[str, CallResult], path: Path) -> None:
    """Write recorded answers to ``path`` (.npz: a JSON index and raw byte
    blobs). ValueError names the function whose answer the wire format cannot carry."""
    blobs: list[bytes] = []
    index = {}
    for key, result in sorted(answers.items()):
        try:
            index[key] = {"value": protocol.encode(result.value, blobs), "warnings": list(result.warnings)}
        except TypeError as error:
            raise ValueError(f"a reference answer cannot be frozen: {error}") from None
    arrays = {"index": np.frombuffer(json.dumps({"format": FORMAT, "answers": index}).encode(), dtype=np.uint8)}
    arrays |= {f"blob{n}": np.frombuffer(blob, dtype=np.uint8) for n, blob in enumerate(blobs)}
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as file:
        np.savez_compressed(file, **arrays)


def load(path: Path) -> FrozenReference:
    """Read a file ``save`` wrote (never unpickling); ValueError if it is not one."""
    with np.load(path, allow_pickle=False) as data:
        index = json.loads(data["index"].tobytes())
        if index.get("format") != FORMAT:
            raise ValueError(f"{path} is not a frozen reference file")
        blobs = [data[f"blob{n}"].tobytes() for n in range(len(data.files) - 1)]
    answers = {key: (protocol.decode(entry["value"], blobs), tuple(entry["warnings"]))
               for key, entry in index["answers"].items()}
    return FrozenReference(answers)
