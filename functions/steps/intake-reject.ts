export const handler = async (): Promise<never> => {
  throw new Error('intake-reject is not implemented yet');
};
