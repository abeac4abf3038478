"""Documents: reading a folder's files safely (`scan`), their text extraction per format
(`extraction`), the passages they are cut into (`passages`) and a loaded collection of them
(`collection`)."""
