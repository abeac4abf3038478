"""What the tests share: the test documents, an oracle QA model and the voice loop's fakes."""
