"""The assistant that runs on the Pi: documents in, spoken answers out.

One package per concern; each imports only from those listed before it (`tests/test_layout.py`):

- `errors`, `host` (as the service or a user, on a Pi or a PC: which defaults apply),
  `config` (the one settings object), `text` (stopwords and search terms), `engines`
  (name -> engine tables): shared leaves;
- `qa`: the reader, a TFLite extractive-QA engine;
- `documents`: reading a folder safely, per-format extraction, passages, a `Collection`;
- `retrieval`: the `Library`, a search index over collections (BM25 + sentence embeddings);
- `voice`: microphone, speaker, endpointing, button and LED, tones, text to speech;
- `shelf`: the collections stored in the state folder (`Shelf`), loaded and forgotten
  atomically, and the USB sticks they come from;
- `answering`: question -> passages -> the reader -> an answer or "not found";
- `speech`: speech to text, the documents' speech model, a spoken question's path;
- `service`: the voice-loop daemon, put together from the configuration;
- `config_file` (TOML -> `Config`) and `cli` (`qa-assistant`).

Words: a *collection* is one loaded folder or stick; the *shelf* is the collections stored in
the state folder (its *catalog*, shelf.json, says which are current); a *library* is the
search index over the collections an answer comes from.
"""
