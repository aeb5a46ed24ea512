// Placeholder: replaced by the secrets work (issue 7) with a suite-wide guard.
export {};
