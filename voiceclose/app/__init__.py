"""The use cases every front end calls: check inputs, practise, review, scenarios, outputs."""
