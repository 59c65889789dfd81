"""The customer-service domain the assistant works in: its schema (intents, slots, acts), defined once
and shared by the synthetic dialogues, the NLU, the dialogue manager and the judges, and the
hand-written dialogues that judge the assistant on text nobody generated."""
