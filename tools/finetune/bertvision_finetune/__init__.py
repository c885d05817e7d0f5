"""bertvision fine-tuning: span-QA fine-tuning of BERT-family models, and the fixed article split of SQuAD 2.0 dev."""

__version__ = "0.1.0"
