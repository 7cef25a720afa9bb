#!/bin/sh
# An application that does its own HTTP auth: 200 only when it sees the credentials.
if [ -n "$HTTP_AUTHORIZATION" ]; then
  printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nlogged in\n'
else
  printf 'Status: 401 Unauthorized\r\nWWW-Authenticate: Basic realm="app"\r\nContent-Type: text/plain\r\n\r\nno credentials\n'
fi
