export { createApiKey } from './auth/api-keys.ts';
export { generatePassword, hashPassword } from './auth/passwords.ts';
export { isRole, ROLES } from './auth/roles.ts';
export * from './config/index.ts';
export * from './run.ts';
export type { Role } from './store/types.ts';
