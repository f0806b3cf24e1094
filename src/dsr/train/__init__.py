"""Fine-tuning the stages (TRL + PEFT LoRA) and exporting the result."""
