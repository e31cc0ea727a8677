package render

import "testing"

func TestEncodeICORejectsBadSizes(t *testing.T) {
	tests := []struct {
		size    int
		wantErr bool
	}{{0, true}, {1, false}, {256, false}, {257, true}}
	for _, tt := range tests {
		_, err := EncodeICO([]ICOEntry{{Size: tt.size, PNG: []byte("x")}})
		if (err != nil) != tt.wantErr {
			t.Errorf("size %d: err = %v, want error %v", tt.size, err, tt.wantErr)
		}
	}
}
