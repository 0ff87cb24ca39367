/** 保管期限 as DA/T 22 words it: how a retention code reads on paper and in catalogues. */
export const RETENTION_WORDS: Readonly<Record<string, string>> = {
  Y: '永久',
  D30: '定期30年',
  D10: '定期10年',
};
