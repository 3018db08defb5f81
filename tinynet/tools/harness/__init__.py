"""The harness that runs a listing in both frameworks and shows what happened.

``progress`` (stage lines and bars on stderr), ``watch`` (the callbacks that record every
step's loss), ``runs`` (a listing run with both attached), ``figures`` (learning curves, the
test digit, confusion matrices), ``seeds`` (how often XOR and the gates learn), ``lockstep``
(both frameworks on the same batches and dropout masks) and ``report`` (report.md).
Nothing here is imported by the framework itself.
"""
