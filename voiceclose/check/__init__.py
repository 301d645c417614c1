"""Words to verdicts: the four parts of a close, found by phrase rules, and the feedback."""
