// Worker script of workerpool: registers its methods with workerpool.worker().
import workerpool from 'workerpool';

workerpool.worker({
  add: (a, b) => a + b,
  echo: (buf) => buf,
  echoTransfer: (buf) => new workerpool.Transfer(buf, [buf.buffer]),
});
