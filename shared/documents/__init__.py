"""Documents the app renders: certificates as PDF."""
