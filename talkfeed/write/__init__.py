"""Write a set of output files atomically, under a lock, never outside the output folder."""
