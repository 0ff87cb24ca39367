#!/usr/bin/env bash
# A first walk through Dangan against `npm start`: a clerk files three scans for a customer, a
# reviewer approves them, and they come out with archive codes. Needs curl, jq and sha256sum.
# Usage: bash scripts/walkthrough.sh   (API=http://127.0.0.1:4000 by default)
set -euo pipefail
API=${API:-http://127.0.0.1:4000}
token() { curl -s -X POST -H 'content-type: application/json' -d "{\"username\":\"$1\"}" $API/local/token | jq -r .token; }
CLERK=$(token clerk1); REVIEWER=$(token reviewer1); ARCHIVIST=$(token archivist1)

# 1. The clerk registers a customer.
CUSTOMER=$(curl -s -X POST $API/customers -H "authorization: Bearer $CLERK" -H 'content-type: application/json' \
  -d '{"customerNo":"'"33$(date +%s)"'","name":"张三","type":"RES","idNumber":"11010519491231002X","phone":"13800138000","region":"HZ"}' | jq -r .customerId)

# 2. Three scans for a metering event: here, small PDFs made on the spot.
cd "$(mktemp -d)"
for n in 1 2 3; do printf '%%PDF-1.4\n%% meter work order %s\n%%%%EOF\n' $n > wo$n.pdf; done
docs=$(for n in 1 2 3; do
  jq -n --arg f wo$n.pdf --arg h "$(sha256sum wo$n.pdf | cut -d' ' -f1)" --argjson s $(stat -c%s wo$n.pdf) \
    '{docType:"METERWO", title:("装拆表工作单 " + $f), fileName:$f, contentType:"application/pdf", size:$s, sha256:$h}'
done | jq -s .)
SUB=$(curl -s -X POST $API/submissions -H "authorization: Bearer $CLERK" -H 'content-type: application/json' \
  -d "{\"customerId\":\"$CUSTOMER\",\"businessEvent\":\"METERING\",\"documents\":$docs}")
SUBMISSION=$(echo "$SUB" | jq -r .submissionId)

# 3. Each file goes straight to S3 through its presigned URL, with exactly the headers returned.
for i in 0 1 2; do
  url=$(echo "$SUB" | jq -r ".documents[$i].upload.url")
  hdrs=$(echo "$SUB" | jq -r ".documents[$i].upload.headers | to_entries[] | \"-H\n\(.key): \(.value)\"")
  mapfile -t args <<<"$hdrs"
  curl -s -o /dev/null -w "upload $((i+1)): %{http_code}\n" -X PUT "${args[@]}" --data-binary @wo$((i+1)).pdf "$url"
done

# 4. Storage reports each upload a moment later (as S3's events do on AWS): wait until every
#    document is UPLOADED, then submit; the intake-review-archive workflow starts. The malware scan
#    may still be running: the workflow waits for it.
until [ "$(curl -s $API/submissions/$SUBMISSION -H "authorization: Bearer $CLERK" | jq '[.documents[] | select(.status != "UPLOADED")] | length')" = 0 ]; do sleep 1; done
curl -s -X POST $API/submissions/$SUBMISSION/submit -H "authorization: Bearer $CLERK" | jq .status

# 5. The reviewer finds the task and approves it.
until TASK=$(curl -s $API/tasks -H "authorization: Bearer $REVIEWER" | jq -er ".items[] | select(.subjectId==\"$SUBMISSION\") | .taskId"); do sleep 1; done
curl -s -X POST $API/tasks/$TASK/decision -H "authorization: Bearer $REVIEWER" -H 'content-type: application/json' \
  -d '{"decision":"approve","comment":"资料齐全"}' | jq -c .

# 6. Archived: each document has its archive code; the archivist reads an original.
until [ "$(curl -s $API/submissions/$SUBMISSION -H "authorization: Bearer $ARCHIVIST" | jq -r .status)" = ARCHIVED ]; do sleep 1; done
curl -s $API/submissions/$SUBMISSION -H "authorization: Bearer $ARCHIVIST" | jq -r '.documents[] | "\(.archiveCode)  \(.title)"'
DOC=$(curl -s $API/submissions/$SUBMISSION -H "authorization: Bearer $ARCHIVIST" | jq -r '.documents[0].documentId')
curl -s "$(curl -s $API/documents/$DOC/content -H "authorization: Bearer $ARCHIVIST" | jq -r .url)" | head -c 40; echo
