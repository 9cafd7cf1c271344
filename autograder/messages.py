"""What the grader tells a student when something fails, in one table.

Every template here is the grader's own words: it is filled in only with
names from the contract, numbers the grader measured or set (times, limits,
counts, cell numbers) and text the grader wrote itself, never with anything
a student's process sent. So every message made here may be shown by a
hidden test as it is. Both engines (the sandbox, ``engine.session``, and the
Jupyter kernel, ``engine.kernel``), the replay of cells (``engine.execute``)
and the notes of a graded submission (``scoring.submission``) speak from it.

The fields, wherever they appear: ``name`` a contract function; ``index`` a
cell's number; ``seconds`` a time the grader measured or allowed, ``limit``
and ``total`` the call and total time limits (s); ``where`` a phrase of the
grader's ("in an earlier test", "when cell 3 called it").
"""

from __future__ import annotations

TEMPLATES = {
    # A call that raised or broke a limit, by the kind the student's process reports
    # (``student_code.error_kind``): only the kind is named, never the process's own text.
    "not_implemented": "{name} is not implemented yet.",
    "memory": "{name} ran out of memory (memory limit).",
    "recursion": "{name} recursed too deeply.",
    "process_limit": "{name} could not start another process (process limit).",
    "file_limit": "{name} wrote a file larger than allowed (file size limit).",
    "timeout": "{name} did not return in time (call time limit).",
    "undefined": "{name} is not defined as a function in your notebook.",
    "unreadable": "{name} returned a value the grader cannot read.",
    # Its type is not named in a hidden test: the student's code chooses it (replies.brief_error).
    "raised_unknown": ("{name} raised an exception (on the hidden inputs; try inputs like those the case's name "
                       "describes to see which)."),
    # ``reason``: the reader's own words (``protocol.ProtocolError``, ``TypeError`` of ``encode``).
    "unreadable_because": "{name} returned a value the grader cannot read ({reason}).",
    "cannot_send": "could not send the arguments: {reason}",
    # A call the grader did not make, or that got no reply it could use.
    "out_of_total_time": "{name} was not run: the submission used up its total time limit ({total:g} s).",
    "refused_stuck": ("{name} was not run: it did not return within {limit:g} s {where} (call time limit), so "
                      "its later calls fail at once."),
    "calls_stuck": ("{name} was not run to the end: it calls {callee}, which already ran past the call time "
                    "limit ({limit:g} s)."),
    "not_called": "{name} could not be called: {reason}.",  # ``reason``: one of LOST_REASONS or WORKER below
    "no_worker": "{name} could not be called: the notebook's process did not start a worker.",
    # ``time_limit``: "call time limit" or the "total_time_limit" phrase; ``stuck_in``: "" or "stuck_in" below.
    "no_return": "{name} did not return within {seconds:.3g} s ({time_limit}){stuck_in}.",
    "total_time_limit": "the submission's total time limit of {total:g} s",
    "stuck_in": ": it was stuck in {callee}",
    "cut_by_total_time": "{name} did not return before the submission used up its total time limit ({total:g} s).",
    "too_large": ("{name} returned more data than the grader accepts ({array_mb} MB of arrays per call, "
                  "{list_mb} MB as lists): return only what the contract asks for, as NumPy arrays."),
    "broke_protocol": "{name} sent the grader a reply it cannot read (its process broke the grader's protocol).",
    "ended": "{name} ended its process instead of returning (os._exit, a crash or a limit).",
    # Cells.
    "cell_out_of_total_time": ("cell {index} was interrupted: the submission used up its total time limit "
                               "({total:g} s)."),
    "cell_output_cap": "cell {index} printed more than {kb} KB; the rest was dropped (output limit).",
    "cell_hung": "cell {index} ran past its time limit ({limit:g} s) and ignored the interrupt; it was skipped.",
    "cell_ended": ("cell {index} ended the notebook's process (os._exit, sys.exit in a thread, a crash or the "
                   "memory limit); it was skipped."),
    "cell_after_replays": ("cell {index} was not run: {lost} cells ended the notebook's process, and a notebook "
                           "is replayed at most {replays} times."),
    "cell_replayed_enough": ("cell {index} was not run: the notebook's process ended and was replayed {replays} "
                             "times already."),
    "cell_total_time_reached": "cell {index} was not run: total time limit ({total:g} s) reached.",
    # Notes on a whole submission.
    "unreadable_notebook": "could not read the notebook: {reason}",
    "other_assignment": "this notebook is for the assignment {found!r}, not {expected!r}",
    "sandbox_failed": "the grader's sandbox failed: {reason}",
    "cleanup_failed": "the grader's cleanup after this submission failed: {reason}.",
    "ignored_cells": "ignored by the grader: {items}",
    "not_functions": "not defined as functions: {names}",
    "nothing_defined": "none of the functions of {assignment} is defined: is this the right notebook?",
    "stuck_note": ("{name} did not return within {limit:g} s {where} (call time limit); its later calls failed "
                   "at once: {failed} of its tests failed."),
    # The grader's own code reached or changed by the notebook: what its process says of itself is not trusted.
    "cells_touch_grader": ("cells {cells} import or change the grader's own code: flagged for review; purity and "
                           "stability are not credited"),
    "grader_changed": ("the grader's own code in the notebook's process was changed while it ran: flagged for "
                       "review; what that process reported about itself (purity) was not credited"),
    "unchecked_cells": ("not checked: your notebook imports or changes the grader's own code (cell {cells}), so "
                        "what your process reports about this call cannot be trusted."),
    "unchecked_changed": ("not checked: the grader's own code in your notebook's process was changed while it "
                          "ran, so what that process reports about this call cannot be trusted."),
    # A derivative check run again on the student's own functions, as feedback only (``grade.explained``):
    # ``what`` and ``against`` are the check's descriptions of contract calls.
    "directions_disagree": ("{what} disagrees with central differences of {against} along random directions "
                            "(not checked entry by entry here: the entries are named where it is graded)."),
}

# Why a process gave no reply (``channel.ProcessLost``), by the reason the grader itself found.
LOST_REASONS = {
    "timeout": "it did not answer in time",
    "ended": "its process ended",
    "unreadable": "it sent a reply the grader cannot read",
    "too large": "it sent a reply larger than the grader accepts",
}

# Why a notebook's process could not answer calls at all.
WORKER = {
    "failed": "the notebook's process could not start a worker: {reason}",
    "foreign": "the notebook's process sent a process that is not its own worker",
}


def say(kind: str, **fields: object) -> str:
    """The message of ``kind`` (a key of TEMPLATES) with ``fields`` filled in.
    KeyError for an unknown kind or a missing field: a grader bug, never the
    student's."""
    return TEMPLATES[kind].format(**fields)


def lost_reason(reason: str) -> str:
    """A ProcessLost's reason in words: LOST_REASONS for the four the channel
    finds, else the text as given (the grader's own, e.g. WORKER's)."""
    return LOST_REASONS.get(reason, reason)
