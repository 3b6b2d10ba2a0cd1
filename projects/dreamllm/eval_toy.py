"""`python -m projects.dreamllm.eval_toy`: the framework's toy-world evaluation (`omni.eval.toyworld`), which asks a
model the tasks it supports; kept under this name for the recipe and the docs."""

from omni.eval.toyworld import ToyEvaluator, main

__all__ = ["ToyEvaluator", "main"]

if __name__ == "__main__":
    main()
