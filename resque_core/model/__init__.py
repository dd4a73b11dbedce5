"""Models: loading checkpoints safely, the shipped architectures and layer discovery."""
