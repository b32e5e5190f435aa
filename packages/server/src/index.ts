export * from './config/index.ts';
export * from './run.ts';
export { createApiKey } from './auth/api-keys.ts';
export { hashPassword, generatePassword } from './auth/passwords.ts';
export { isRole, ROLES } from './auth/roles.ts';
export type { Role } from './store/types.ts';
