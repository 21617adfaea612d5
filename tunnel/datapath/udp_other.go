//go:build !linux

package datapath

func (c *udpConn) newReader(int) (batchReader, error) { return singleIO{c}, nil }
func (c *udpConn) newWriter(int) (batchWriter, error) { return singleIO{c}, nil }
