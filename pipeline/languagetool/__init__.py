"""LanguageTool for the English checks, one module per job.

- `install`: where LanguageTool's jars are (language-tool-python's download, or `make languagetool`'s set);
- `server`: the HTTP server the pipeline starts and stops (or one already running) and its client;
- `client`: checking text on a server, the matches as issues, and the safe corrections.

The check-en command and stage that use them are in `pipeline/english_check.py`.
"""
