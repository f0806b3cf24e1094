"""Fine-tuning the stages."""
