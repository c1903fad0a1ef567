package mozpolicy_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/xdpolicy/xdpolicy/mozpolicy"
)

// Serve the root file and a delegated one at their paths.
func ExampleNewHandler() {
	root, err := mozpolicy.NewHandler(&mozpolicy.Policy{Namespace: mozpolicy.Namespace, Allow: []mozpolicy.Allow{
		{From: "*.example.com", To: "service/", Delegate: "true"},
	}}, nil)
	if err != nil {
		log.Fatal(err) // the policy does not validate
	}
	service, err := mozpolicy.NewRawHandler([]byte(`<cross-domain-policy><allow from="app.example.com"/></cross-domain-policy>`), nil)
	if err != nil {
		log.Fatal(err) // the draft's client would reject the file
	}
	mux := http.NewServeMux()
	mux.Handle("/"+mozpolicy.FileName, root)
	mux.Handle("/service/"+mozpolicy.FileName, service)

	w := httptest.NewRecorder()
	mux.ServeHTTP(w, httptest.NewRequest("GET", "/service/cross-domain-policy.xml", nil))
	fmt.Println(w.Code, w.Header().Get("Content-Type"), w.Body.String())
	// Output:
	// 200 text/xml <cross-domain-policy><allow from="app.example.com"/></cross-domain-policy>
}
