package sim

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"strings"
)

// apiError is an error answered to the client in the error shape of
// current vLLM (and OpenAI): {"error": {"message", "type", "param",
// "code"}}, code being the HTTP status.
type apiError struct {
	status int
	typ    string
	msg    string
	param  string // the request field at fault; "" when none
}

func (e *apiError) Error() string { return fmt.Sprintf("sim: %d %s: %s", e.status, e.typ, e.msg) }

func badRequest(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: "BadRequestError", msg: fmt.Sprintf(format, args...)}
}

// badParam is a 400 about the request field param.
func badParam(param, format string, args ...any) *apiError {
	e := badRequest(format, args...)
	e.param = param
	return e
}

func notFound(format string, args ...any) *apiError {
	return &apiError{status: http.StatusNotFound, typ: "NotFoundError", msg: fmt.Sprintf(format, args...)}
}

// errorBody is the wire shape of an error.
type errorBody struct {
	Error errorInfo `json:"error"`
}

type errorInfo struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    int     `json:"code"`
}

// writeError answers err as error JSON; errors that are not an *apiError
// are internal.
func writeError(w http.ResponseWriter, err error) {
	var ae *apiError
	if !errors.As(err, &ae) {
		ae = &apiError{status: http.StatusInternalServerError, typ: "InternalServerError", msg: err.Error()}
	}
	info := errorInfo{Message: ae.msg, Type: ae.typ, Code: ae.status}
	if ae.param != "" {
		info.Param = &ae.param
	}
	writeJSON(w, ae.status, errorBody{Error: info})
}

// unmarshal decodes a JSON request body into v. Its errors are *apiError
// that name the field at fault and the JSON types involved, never the
// engine's own types.
func unmarshal(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var (
		te *json.UnmarshalTypeError
		se *json.SyntaxError
	)
	switch {
	case errors.As(err, &te):
		field := jsonField(te.Field)
		if field == "" {
			return badRequest("the request body must be a JSON object, got %s", jsonValue(te.Value))
		}
		return badParam(field, "%s: input should be %s, got %s", field, jsonKind(te.Type), jsonValue(te.Value))
	case errors.As(err, &se):
		return badRequest("the request body is not valid JSON (at byte %d): %s", se.Offset, se.Error())
	}
	// Custom decoders (message content parts) report errors of their own;
	// keep them, without any Go type name they might carry.
	msg := err.Error()
	if strings.Contains(msg, " Go ") {
		msg = "a field has a value of the wrong JSON type"
	}
	return badRequest("invalid request body: %s", msg)
}

// jsonField is the JSON path of a decoding error's field, without the
// embedded structs that group the fields both APIs share.
func jsonField(f string) string {
	parts := strings.Split(f, ".")
	out := parts[:0]
	for _, p := range parts {
		if p != "common" && p != "sampling" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ".")
}

// jsonValue names the JSON value a decoder met: "a string", "a number
// (1.5)", "an array"...
func jsonValue(v string) string {
	kind, detail, _ := strings.Cut(v, " ")
	switch kind {
	case "array", "object":
		kind = "an " + kind
	case "bool":
		kind = "a boolean"
	case "":
		kind = "a value"
	default:
		kind = "a " + kind
	}
	if detail != "" {
		return kind + " (" + detail + ")"
	}
	return kind
}

// jsonKind names the JSON type a Go type decodes from.
func jsonKind(t reflect.Type) string {
	if t == nil {
		return "a valid value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a valid integer"
	case reflect.Float32, reflect.Float64:
		return "a valid number"
	case reflect.Bool:
		return "a valid boolean"
	case reflect.String:
		return "a valid string"
	case reflect.Slice, reflect.Array:
		return "a valid list"
	case reflect.Map, reflect.Struct:
		return "a valid object"
	}
	return "a valid value"
}
