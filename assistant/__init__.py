"""The on-device assistant: documents, retrieval, the voice loop and the QA engine it uses."""
