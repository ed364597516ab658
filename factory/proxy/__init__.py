"""`factory proxy`: an OpenAI-compatible server in front of a teacher and a student, for a gradual rollout.

- checks.py: how the student is asked (the recipe's student prompt) and how its reply is judged
  (the recipe's JSON Schema and task validator, and its metrics against the teacher in shadow mode)
- app.py: the HTTP server (aiohttp): routing by share, fallback to the teacher, streaming, shadow;
  wire.py: the OpenAI wire format it speaks (upstreams, errors, completions, streams)
- logwriter.py: every exchange appended, PII-scrubbed, to JSON Lines that `factory build --source` reads;
  spool.py: the encrypted journal that holds an exchange from its answer until it is scrubbed
- settings.py: the flags checked up front, the proxy's API key, the student server
- status.py: the rollout report of a log directory (`factory proxy status`) and the gate

Importing this package is cheap: the modules import aiohttp, presidio and the recipe when used.
"""
