/**
 * The customer number (户号) as `POST /customers` takes it: 4 to 32 letters, digits or hyphens.
 * Pure, so the import's checks (the command's and the console's) hold rows to the same rule.
 */
export const CUSTOMER_NO_PATTERN = /^[A-Z0-9][A-Z0-9-]{3,31}$/;
