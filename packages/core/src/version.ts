/** Kyoka's version: one place, so a role that loads nothing else (the sensor) can still report it. */
export const VERSION = '0.1.0';
