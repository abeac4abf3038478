"""The shelf: the collections stored in the state folder (`shelf`), written and read
atomically (`store`, `catalog`), and the USB sticks they come from (`mounts`, `volumes`)."""
