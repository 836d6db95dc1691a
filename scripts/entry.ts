/** Imported first by every entry point: process-wide settings that belong to no library. */

// The AWS SDK warns once per process that it will want Node 22 from 2027; known, and noise in reports.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
