"""Render talks into bytes: each talk's part of every format, and whole files from the parts."""
