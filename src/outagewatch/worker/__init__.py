"""The background work of every process, as steps run by one scheduler.

`scheduler.py` runs steps; each other module holds the steps of one concern (detection,
housekeeping, demo traffic, the small ones in `steps.py`). `embedded.py` is what a web
process (`outagewatch serve`) runs beside its pages; `standalone.py` is what the
`outagewatch worker` and `outagewatch deliver` commands run.
"""
