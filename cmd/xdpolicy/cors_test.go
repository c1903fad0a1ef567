package main

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCORSCommand(t *testing.T) {
	code, stdout, stderr := runCLI("cors", "../../testdata/examples/clientaccesspolicy.xml")
	require.Equal(t, 0, code, stderr)
	assert.Contains(t, stdout, "6:5: http://app.example.net,https://*.partner.example /data/*,/api/v1/status methods GET,POST headers soapaction\n")
	assert.Contains(t, stdout, "not in CORS: 6:5: <policy> at 6:5 grants headers by prefix (x-api-*)")

	code, stdout, stderr = runCLI("cors", "-json", "../../testdata/examples/crossdomain.xml")
	require.Equal(t, 0, code, stderr)
	var out struct {
		Rules []struct {
			Origins []string `json:"origins"`
			Headers []string `json:"headers"`
		} `json:"rules"`
		Losses []string `json:"losses"`
	}
	require.NoError(t, json.Unmarshal([]byte(stdout), &out))
	require.NotEmpty(t, out.Rules)
	assert.Equal(t, []string{"*://*.partner.example"}, out.Rules[0].Origins)
	assert.NotNil(t, out.Rules[0].Headers, "an empty list, never null")
	assert.NotEmpty(t, out.Losses)

	code, _, stderr = runCLI("cors", "-runtime", "flash", "../../go.mod")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "rejects the file, so it grants nothing")
	code, _, stderr = runCLI("cors")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "name one policy FILE")
}
