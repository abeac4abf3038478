"""Answering a question from a library: the answerer, how it picks an answer
(`selection`), names the documents never mention (`unmentioned`), and the words around an
answer (`replies`)."""
