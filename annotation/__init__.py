"""Human labels through Argilla: dataset settings per recipe, push / pull / status, and the embedded server.

settings.py (what reviewers see and answer), client.py (which Argilla to talk to), push.py
(sampling and upload), pull.py (merge rules, agreement), status.py (progress per annotator)
run in the factory's environment with the argilla SDK. server.py starts the real Argilla
server in its own virtual environment; sql_engine.py and launch.py run inside that one.
"""
