export const handler = async (): Promise<never> => {
  throw new Error('intake-validate is not implemented yet');
};
