"""`qa-assistant`: the command line (`main`), its argument types (`args`) and `check`."""
