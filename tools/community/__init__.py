"""Community sessions (issue 23): a room of citizens votes from their phones where a
scenario branches. `commands` (the `sightline community` command line), `server` (the
phone page and vote endpoint: Starlette on uvicorn), `texts` (what the screen and the
take-home report say about a question), `report` (the take-home summary)."""
