/** A token that must never appear in any log, error or output: tests grep for it. */
export const CANARY_JWT =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJjYW5hcnktb3BlcmF0b3IifQ.c2lnbmF0dXJlLWNhbmFyeQ";
