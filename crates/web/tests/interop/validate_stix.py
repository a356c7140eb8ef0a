"""Validates a STIX 2.1 bundle with the OASIS stix2-validator; prints the result as JSON."""
import json
import sys

from stix2validator import ValidationOptions, validate_file

results = validate_file(sys.argv[1], ValidationOptions(version="2.1"))
errors = []
for o in results.object_results:
    errors.extend(f"{o.object_id}: {e}" for e in o.errors)
print(json.dumps({"valid": results.is_valid, "errors": errors}))
