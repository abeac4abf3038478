"""Speech to text: the recognizers behind one interface (`recognizer`, one module per engine,
`engines` by name), the documents' speech model (`document_speech`), and a spoken question on
its way to the answerer (`spoken`)."""
