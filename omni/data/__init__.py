"""Data: the dataset registry (DataManager), dataset readers, builders to token sequences, collators, toy world."""
