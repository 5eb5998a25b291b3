"""Who annotates what: work units, static plans with overlap, the dynamic queue (issue 9).

- :mod:`.plan`: the static plan as a pure function (no database).
- :mod:`.store`: units and assignments in the database; the team settings; the report.
- :mod:`.queue`: the dynamic queue (take the next unit, safe with concurrent processes)
  and an annotator's own queue (what the TUI lists).
"""
