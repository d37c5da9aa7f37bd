"""Each talk's parts: its piece of every output, rendered once and kept in the store."""
