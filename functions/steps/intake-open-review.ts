export const handler = async (): Promise<never> => {
  throw new Error('intake-open-review is not implemented yet');
};
