// Package schema owns the project's JSON Schemas (draft 04, embedded): package.json for each
// packagingVersion 2.0-6.0, config.json's meta-schema, resource.json v2 and v3, and command.json.
// It validates decoded JSON documents against them and returns every violation with its JSON pointer.
package schema
