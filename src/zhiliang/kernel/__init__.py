"""kernel — what every feature stands on: settings, database, events, audit, errors, time, i18n, auth."""
